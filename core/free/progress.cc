// The exploration progress record (see progress.h).
#include "core/free/progress.h"

namespace svafuzz::free {

Progress& progress() {
  static Progress p;
  return p;
}

}  // namespace svafuzz::free
