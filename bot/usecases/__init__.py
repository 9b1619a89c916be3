"""The use cases every adapter calls, one module each; `bot.bootstrap` builds them once.

Each receives what it needs in its constructor (store, publisher, model, library,
other use cases) and reaches through nobody's attributes.
"""
