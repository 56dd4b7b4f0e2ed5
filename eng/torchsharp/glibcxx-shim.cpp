// std::ios_base_library_init() first appeared in libstdc++ 13 (GLIBCXX_3.4.32). Code built with
// GCC 13+ calls it to make sure the standard streams are initialised; older libstdc++ initialises
// them in its own static constructor, so constructing one ios_base::Init here is all it needs.
#include <ios>

namespace std
{
void ios_base_library_init()
{
    static ios_base::Init init;
}
}
