#error "this layer must not use curl/curl.h: see the layering in DESIGN.md"
