"""The editor's desk beyond Django's own admin pages: arXiv autofill and
paste, draft import and export, the coverage checklist, history, preview
links, tag renames and merges, and the Editors group's permissions."""
