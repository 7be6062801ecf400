#error "this layer must not use boost/beast/http.hpp: see the layering in DESIGN.md"
