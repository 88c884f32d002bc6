// The search over the three CNNs (--architectures cnns), instantiated here once.
#include "search.hpp"

namespace search_example {
template int search<cnns>(const flags&, const std::array<pt::data::image_datastore, 3>&,
                           const pt::data::augmented_image_datastore&, pt::parallel::pool&, world_ref,
                           const char* const*);
}  // namespace search_example
