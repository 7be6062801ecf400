#error "this layer must not use boost/asio.hpp: see the layering in DESIGN.md"
