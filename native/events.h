// What the native threads hand to JS: frame batches and one error, through a ThreadSafeFunction.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace portlab {

/**
 * One malloc'd block JS receives as a single ArrayBuffer (no copy where the runtime allows external buffers):
 * times (f64 × count), offsets (u32 × count), lengths (u32 × count), then the frames back to back.
 */
struct FrameBatch {
  uint8_t* buffer = nullptr;
  size_t bytes = 0;
  uint32_t count = 0;

  static size_t HeaderBytes(uint32_t count) { return 16 * static_cast<size_t>(count); }
  double* times() { return reinterpret_cast<double*>(buffer); }
  uint32_t* offsets() { return reinterpret_cast<uint32_t*>(buffer + 8 * static_cast<size_t>(count)); }
  uint32_t* lengths() { return reinterpret_cast<uint32_t*>(buffer + 12 * static_cast<size_t>(count)); }
  uint8_t* data() { return buffer + HeaderBytes(count); }
};

/**
 * The JS side of one socket's threads. Created on the JS thread; Post* are called from any thread; Close() on the
 * JS thread marks it closed (nothing reaches JS after it) and releases the ThreadSafeFunction, whose finalizer
 * deletes this object once the queue has drained. While open it keeps the event loop alive.
 */
class JsEvents {
 public:
  /** onFrames may be empty (a send-only socket). */
  static JsEvents* Create(Napi::Env env, Napi::Function onFrames, Napi::Function onError, const char* name);

  /** Hands a batch to JS (which then owns its buffer); false, buffer freed, when closed. */
  bool PostBatch(FrameBatch batch);
  /** The first call hands `message` to onError; later ones do nothing. */
  void PostError(const std::string& message);
  /** Batches posted and not yet delivered to JS. */
  int BatchesQueued() const { return batchesQueued_.load(std::memory_order_acquire); }
  /** Only after every thread that posts has been joined. */
  void Close();

 private:
  struct Message;
  static void CallJs(Napi::Env env, Napi::Function unused, JsEvents* events, Message* message);
  using Tsfn = Napi::TypedThreadSafeFunction<JsEvents, Message, CallJs>;

  JsEvents() = default;
  void Deliver(Napi::Env env, Message* message);

  Tsfn tsfn_;
  Napi::FunctionReference onFrames_;
  Napi::FunctionReference onError_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> errored_{false};
  std::atomic<int> batchesQueued_{0};
};

}  // namespace portlab
