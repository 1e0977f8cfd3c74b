"""The base layer every stage shares: reading inputs with located errors, atomic writes and file sets,
recognising unusable files, and PNG figures. It imports nothing from the stages above it."""
