#error "this layer must not use sqlite3.h: see the layering in DESIGN.md"
