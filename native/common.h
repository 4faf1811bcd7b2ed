// Helpers every native module shares: the clock, errno text, and JS errors thrown by hand (C++ exceptions are off).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace portlab {

/** Microseconds since the epoch on CLOCK_REALTIME: the clock the kernel stamps captured frames with. */
double NowMicros();

/** "ENODEV: No such device (bind)": the errno's name first, so JS can tell failures apart without parsing prose. */
std::string ErrnoMessage(int err, const char* what);

/** A JS Error with ErrnoMessage's text and `code` set to the errno's name (as Node's own system errors). */
Napi::Error ErrnoError(Napi::Env env, int err, const char* what);

/** For a constructor or method that fails on the JS thread: the error JS code catches like Node's own. */
void ThrowErrno(Napi::Env env, int err, const char* what);

/** A Uint8Array argument's bytes, or a TypeError thrown and false returned. */
bool ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name, const uint8_t** data, size_t* length);

/**
 * Checks sendBatch's arguments (data: Uint8Array, offsets and lengths: Uint32Array, count) and that every frame
 * lies inside data and is at most maxFrame long; throws TypeError/RangeError and returns false otherwise.
 */
struct FrameList {
  const uint8_t* data;
  const uint32_t* offsets;
  const uint32_t* lengths;
  uint32_t count;
};
bool ArgFrames(const Napi::CallbackInfo& info, uint32_t maxFrame, FrameList* out);

}  // namespace portlab
