"""The club's week around the digest: votes, reading sessions, reading lists, recaps.

None of these keeps state of its own (the store does), so a restart resumes where the
last process stopped. A reaction on a paper's root post is a vote; votes count only for
papers posted in the same channel.
"""
