#error "this layer must not use boost/beast.hpp: see the layering in DESIGN.md"
