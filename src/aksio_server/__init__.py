"""The self-hostable sync server: accounts (``accounts/``), settings, database and migrations; sync next."""
