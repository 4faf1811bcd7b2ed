#include "events.h"

#include <cstdlib>
#include <cstring>
#include <memory>

namespace portlab {

struct JsEvents::Message {
  bool isError;
  FrameBatch batch;
  std::string error;
};

JsEvents* JsEvents::Create(Napi::Env env, Napi::Function onFrames, Napi::Function onError, const char* name) {
  auto* events = new JsEvents();
  if (!onFrames.IsEmpty()) events->onFrames_ = Napi::Persistent(onFrames);
  events->onError_ = Napi::Persistent(onError);
  events->tsfn_ = Tsfn::New(env, Napi::Function(), name, 0, 1, events, [](Napi::Env, void*, JsEvents* done) { delete done; });
  return events;
}

bool JsEvents::PostBatch(FrameBatch batch) {
  if (closed_.load(std::memory_order_acquire)) {
    free(batch.buffer);
    return false;
  }
  batchesQueued_.fetch_add(1, std::memory_order_acq_rel);
  auto message = std::make_unique<Message>(Message{false, batch, {}});
  if (tsfn_.NonBlockingCall(message.get()) != napi_ok) {
    batchesQueued_.fetch_sub(1, std::memory_order_acq_rel);
    free(batch.buffer);
    return false;
  }
  message.release();  // the JS side's callback owns it now
  return true;
}

void JsEvents::PostError(const std::string& message) {
  if (errored_.exchange(true) || closed_.load(std::memory_order_acquire)) return;
  auto posted = std::make_unique<Message>(Message{true, {}, message});
  if (tsfn_.NonBlockingCall(posted.get()) == napi_ok) posted.release();
}

void JsEvents::Close() {
  if (closed_.exchange(true)) return;
  tsfn_.Release();
}

void JsEvents::CallJs(Napi::Env env, Napi::Function, JsEvents* events, Message* message) {
  std::unique_ptr<Message> owned(message);
  if (!message->isError) events->batchesQueued_.fetch_sub(1, std::memory_order_acq_rel);
  if (env == nullptr || events->closed_.load(std::memory_order_acquire)) {
    free(message->batch.buffer);
    return;
  }
  events->Deliver(env, message);
}

void JsEvents::Deliver(Napi::Env env, Message* message) {
  Napi::HandleScope scope(env);
  if (message->isError) {
    onError_.Call({Napi::String::New(env, message->error)});
    return;
  }
  FrameBatch& batch = message->batch;
  napi_value raw;
  napi_status status = napi_create_external_arraybuffer(
      env, batch.buffer, batch.bytes, [](napi_env, void* data, void*) { free(data); }, nullptr, &raw);
  Napi::ArrayBuffer buffer;
  if (status == napi_ok) {
    buffer = Napi::ArrayBuffer(env, raw);
  } else {
    // Electron's V8 sandbox refuses memory from outside its cage: one copy there.
    buffer = Napi::ArrayBuffer::New(env, batch.bytes);
    memcpy(buffer.Data(), batch.buffer, batch.bytes);
    free(batch.buffer);
  }
  size_t n = batch.count;
  Napi::Object frames = Napi::Object::New(env);
  frames.Set("times", Napi::Float64Array::New(env, n, buffer, 0));
  frames.Set("offsets", Napi::Uint32Array::New(env, n, buffer, 8 * n));
  frames.Set("lengths", Napi::Uint32Array::New(env, n, buffer, 12 * n));
  frames.Set("data", Napi::Uint8Array::New(env, batch.bytes - FrameBatch::HeaderBytes(batch.count), buffer, FrameBatch::HeaderBytes(batch.count)));
  frames.Set("count", Napi::Number::New(env, static_cast<double>(n)));
  onFrames_.Call({frames});
}

}  // namespace portlab
