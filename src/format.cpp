// partrain::compiled, part format/: the bodies of the format headers, compiled once.
#include "partrain/format/impl/files.ipp"
#include "partrain/format/impl/json.ipp"
#include "partrain/format/impl/safetensors.ipp"
#include "partrain/format/impl/temporary.ipp"
#include "partrain/format/impl/text.ipp"
