// RawIpSocket: a send-only IPv4/IPv6 IPPROTO_RAW socket (header included) connected to one destination, for
// targets on this host, where frames injected on `lo` would be dropped as martians.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common.h"
#include "events.h"
#include "modules.h"
#include "send_queue.h"

namespace portlab {

static constexpr uint32_t kMaxPacketBytes = 65535;

class RawIpSocket : public Napi::ObjectWrap<RawIpSocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit RawIpSocket(const Napi::CallbackInfo& info);
  ~RawIpSocket() override {
    if (!closed_) cleanup_.Remove(Env());
    Shutdown();
  }

 private:
  bool Open(Napi::Env env, int version, const std::string& destination);
  void Shutdown();

  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SendBatch(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  int fd_ = -1;
  bool closed_ = true;
  std::atomic<uint64_t> syncSent_{0};
  std::atomic<uint64_t> syncErrors_{0};
  JsEvents* events_ = nullptr;
  std::unique_ptr<SendQueue> sendQueue_;
  Napi::Env::CleanupHook<std::function<void()>> cleanup_;
};

void RawIpSocket::Init(Napi::Env env, Napi::Object exports) {
  exports.Set("RawIpSocket", DefineClass(env, "RawIpSocket",
                                         {InstanceMethod<&RawIpSocket::Send>("send"), InstanceMethod<&RawIpSocket::SendBatch>("sendBatch"),
                                          InstanceMethod<&RawIpSocket::Stats>("stats"), InstanceMethod<&RawIpSocket::Close>("close")}));
}

RawIpSocket::RawIpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RawIpSocket>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsString() || !info[2].IsFunction()) {
    Napi::TypeError::New(env, "new RawIpSocket(ipVersion: 4 | 6, dstAddress: string, onError: function)").ThrowAsJavaScriptException();
    return;
  }
  double version = info[0].As<Napi::Number>().DoubleValue();
  if (version != 4 && version != 6) {
    Napi::RangeError::New(env, "ipVersion must be 4 or 6").ThrowAsJavaScriptException();
    return;
  }
  if (!Open(env, static_cast<int>(version), info[1].As<Napi::String>().Utf8Value())) {
    Shutdown();
    return;
  }
  closed_ = false;
  events_ = JsEvents::Create(env, Napi::Function(), info[2].As<Napi::Function>(), "portlab:RawIpSocket");
  sendQueue_ = std::make_unique<SendQueue>(fd_, [this](int err) { events_->PostError(ErrnoMessage(err, "send")); });
  cleanup_ = env.AddCleanupHook(std::function<void()>([this] { Shutdown(); }));
}

bool RawIpSocket::Open(Napi::Env env, int version, const std::string& destination) {
  sockaddr_storage address{};
  socklen_t addressLength;
  if (version == 4) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    addressLength = sizeof *v4;
    if (inet_pton(AF_INET, destination.c_str(), &v4->sin_addr) != 1) {
      Napi::TypeError::New(env, "not an IPv4 address: " + destination).ThrowAsJavaScriptException();
      return false;
    }
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    addressLength = sizeof *v6;
    std::string host = destination;
    size_t percent = destination.find('%');
    if (percent != std::string::npos) {
      host = destination.substr(0, percent);
      v6->sin6_scope_id = if_nametoindex(destination.c_str() + percent + 1);
      if (v6->sin6_scope_id == 0) {
        ThrowErrno(env, ENODEV, "zone of the destination");
        return false;
      }
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1) {
      Napi::TypeError::New(env, "not an IPv6 address: " + destination).ThrowAsJavaScriptException();
      return false;
    }
  }
  // IPPROTO_RAW implies IP_HDRINCL; Linux does the same for IPv6 (inet6_create sets hdrincl for it).
  fd_ = socket(version == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd_ < 0) {
    ThrowErrno(env, errno, "socket");
    return false;
  }
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), addressLength) < 0) {
    ThrowErrno(env, errno, "connect");
    return false;
  }
  return true;
}

Napi::Value RawIpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data;
  size_t length;
  if (!ArgBytes(info, 0, "packet", &data, &length)) return env.Undefined();
  if (closed_) {
    Napi::Error::New(env, "the raw IP socket is closed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (length > kMaxPacketBytes) {
    Napi::RangeError::New(env, "a packet is at most 65535 bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double sentAt = NowMicros();
  // ENOBUFS and the like: the packet is lost as on a busy link, and the scan's retransmission covers it.
  if (send(fd_, data, length, MSG_DONTWAIT) < 0)
    syncErrors_.fetch_add(1, std::memory_order_relaxed);
  else
    syncSent_.fetch_add(1, std::memory_order_relaxed);
  return Napi::Number::New(env, sentAt);
}

Napi::Value RawIpSocket::SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FrameList frames;
  if (!ArgFrames(info, kMaxPacketBytes, &frames)) return env.Undefined();
  if (closed_) {
    Napi::Error::New(env, "the raw IP socket is closed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double queuedAt = NowMicros();
  if (frames.count == 0) return Napi::Number::New(env, queuedAt);
  return Napi::Number::New(env, sendQueue_->Push(frames) ? queuedAt : -1);
}

Napi::Value RawIpSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("sent", Napi::Number::New(env, static_cast<double>(syncSent_.load() + (sendQueue_ ? sendQueue_->sent() : 0))));
  stats.Set("sendErrors", Napi::Number::New(env, static_cast<double>(syncErrors_.load() + (sendQueue_ ? sendQueue_->errors() : 0))));
  stats.Set("queued", Napi::Number::New(env, static_cast<double>(sendQueue_ ? sendQueue_->queued() : 0)));
  return stats;
}

Napi::Value RawIpSocket::Close(const Napi::CallbackInfo& info) {
  if (!closed_) cleanup_.Remove(info.Env());
  Shutdown();
  return info.Env().Undefined();
}

void RawIpSocket::Shutdown() {
  if (!closed_) {
    closed_ = true;
    sendQueue_->Stop();
    events_->Close();
    events_ = nullptr;
  }
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void InitRawIpSocket(Napi::Env env, Napi::Object exports) { RawIpSocket::Init(env, exports); }

}  // namespace portlab
