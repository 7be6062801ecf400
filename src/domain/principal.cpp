#include "domain/principal.hpp"
