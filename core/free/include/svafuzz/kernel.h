// The umbrella header of the kernel-style plug-in API (core/free/plugin.h).
#pragma once
#include "core/free/plugin.h"
