"""Every member-visible string, in each supported language (en, ja, ko)."""
