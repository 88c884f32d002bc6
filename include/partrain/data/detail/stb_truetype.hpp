// stb_truetype compiled with internal linkage (see stb_image.hpp for why), used by the
// digit generator to rasterise glyphs from the system's TrueType fonts.
#pragma once
#pragma GCC system_header

#ifndef PARTRAIN_STB_TRUETYPE_INCLUDED
#define PARTRAIN_STB_TRUETYPE_INCLUDED
#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#include <stb_truetype.h>
#endif
