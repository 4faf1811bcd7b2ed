// Capture filters: libpcap's compiler, run on a dead Ethernet handle, so the kernel runs the program.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

namespace portlab {

/** Compiles `filter` (libpcap's language) for Ethernet frames cut to `snaplen`; false with libpcap's message in *error. */
bool CompileFilter(const std::string& filter, int snaplen, std::vector<sock_filter>* program, std::string* error);

}  // namespace portlab
