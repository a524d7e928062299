"""Files to documents: sections with page ranges and page-exact text chunks."""
