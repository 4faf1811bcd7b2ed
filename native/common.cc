#include "common.h"

#include "modules.h"

#include <malloc.h>

#include <cstring>
#include <ctime>

namespace portlab {

double NowMicros() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec / 1000);
}

std::string ErrnoMessage(int err, const char* what) {
  const char* name = strerrorname_np(err);
  std::string text = name ? name : "E" + std::to_string(err);
  text += ": ";
  text += strerror(err);
  text += " (";
  text += what;
  text += ")";
  return text;
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* what) {
  Napi::Error error = Napi::Error::New(env, ErrnoMessage(err, what));
  const char* name = strerrorname_np(err);
  error.Set("code", Napi::String::New(env, name ? name : "E" + std::to_string(err)));
  return error;
}

void ThrowErrno(Napi::Env env, int err, const char* what) { ErrnoError(env, err, what).ThrowAsJavaScriptException(); }

bool ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name, const uint8_t** data, size_t* length) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ByteLength();
  return true;
}

static bool ArgUint32s(const Napi::CallbackInfo& info, size_t index, const char* name, const uint32_t** data, size_t* count) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint32Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Uint32Array array = value.As<Napi::Uint32Array>();
  *data = array.Data();
  *count = array.ElementLength();
  return true;
}

bool ArgFrames(const Napi::CallbackInfo& info, uint32_t maxFrame, FrameList* out) {
  Napi::Env env = info.Env();
  size_t dataLength, offsetCount, lengthCount;
  if (!ArgBytes(info, 0, "data", &out->data, &dataLength)) return false;
  if (!ArgUint32s(info, 1, "offsets", &out->offsets, &offsetCount)) return false;
  if (!ArgUint32s(info, 2, "lengths", &out->lengths, &lengthCount)) return false;
  if (!info[3].IsNumber()) {
    Napi::TypeError::New(env, "count must be a number").ThrowAsJavaScriptException();
    return false;
  }
  double count = info[3].As<Napi::Number>().DoubleValue();
  if (!(count >= 0) || count != static_cast<double>(static_cast<uint32_t>(count)) || count > offsetCount || count > lengthCount) {
    Napi::RangeError::New(env, "count must be a whole number no larger than offsets.length and lengths.length").ThrowAsJavaScriptException();
    return false;
  }
  out->count = static_cast<uint32_t>(count);
  for (uint32_t k = 0; k < out->count; k++) {
    uint64_t end = static_cast<uint64_t>(out->offsets[k]) + out->lengths[k];
    if (out->lengths[k] > maxFrame || end > dataLength) {
      Napi::RangeError::New(env, "frame " + std::to_string(k) + " (offset " + std::to_string(out->offsets[k]) + ", length " +
                                     std::to_string(out->lengths[k]) + ") lies outside data or is longer than " +
                                     std::to_string(maxFrame) + " bytes")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

static Napi::Value Now(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), NowMicros()); }

/**
 * glibc serves a block of 128 KiB or more with its own mapping, but raises that threshold to the size of every such
 * block freed (up to 32 MB): after start-up frees the bundle's read (1.4 MB), a scan's typed arrays come from the
 * heap, whose freed middle is never given back. Fixing the threshold (which also stops it moving) keeps the
 * process's peak RSS at what it holds: measured 82-84 -> 77 MB for a full-range SYN scan, 87-89 -> 83 MB for 16
 * targets at once. For processes that are PortLab's alone (the CLI, the helper), never the editor's.
 */
static Napi::Value MapLargeAllocations(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  return info.Env().Undefined();
}

void InitClock(Napi::Env env, Napi::Object exports) {
  exports.Set("now", Napi::Function::New(env, Now, "now"));
  exports.Set("mapLargeAllocations", Napi::Function::New(env, MapLargeAllocations, "mapLargeAllocations"));
}

}  // namespace portlab
