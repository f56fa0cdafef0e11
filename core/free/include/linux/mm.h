// <linux/mm.h> for plug-ins: the whole kernel-style vocabulary (svafuzz/kernel.h).
#pragma once
#include "core/free/plugin.h"
