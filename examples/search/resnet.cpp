// The search over ResNet-14 and the seed CNN (--architectures resnet), instantiated here once.
#include "search.hpp"

namespace search_example {
template int search<resnet_and_cnn>(const flags&, const std::array<pt::data::image_datastore, 3>&,
                           const pt::data::augmented_image_datastore&, pt::parallel::pool&, world_ref,
                           const char* const*);
}  // namespace search_example
