#error "this layer must not use boost/beast/core.hpp: see the layering in DESIGN.md"
