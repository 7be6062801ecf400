#error "this layer must not use libpq-fe.h: see the layering in DESIGN.md"
