// PacketSocket: an AF_PACKET socket on one interface, its filter attached before anything is received, a TPACKET_V3
// receive ring read by the "pl-recv" thread, and the shared send thread for sendBatch. PacketSocket.open() makes the
// socket on a thread of its own (OpenedSocket) and resolves with the JS object that wraps it.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "bpf.h"
#include "common.h"
#include "events.h"
#include "modules.h"
#include "send_queue.h"

namespace portlab {

/**
 * A ring block: the kernel fills one, retires it when full or after kBlockTimeoutMs, and moves to the next. The
 * timer ticks in jiffies: a lone frame reached JS 0.85 ms after capture (median) and 4.1 ms at the 90th
 * percentile on this HZ=250 kernel. Its timestamp is the kernel's either way.
 * A retired block is the receive thread's until it has copied it, however few frames it holds: while that thread
 * waits for a core, the ring lasts one timeout per block when answers trickle in. So blocks are small (many of
 * them in a small ring), yet each must hold a whole frame of the snaplen, or the kernel cuts it.
 */
static constexpr unsigned kMinBlockBytes = 32 * 1024;
/** The block's header, the frame's (tpacket3_hdr, sockaddr_ll) and their alignment, with room to spare. */
static constexpr unsigned kBlockOverheadBytes = 512;
static constexpr unsigned kBlockTimeoutMs = 1;
/** TPACKET_V3 packs frames of any length into a block; the nominal frame size only has to divide the block. */
static constexpr unsigned kNominalFrameBytes = 2048;
/** Batches handed to JS and not yet delivered: beyond this the thread leaves blocks to fill, and the kernel drops. */
static constexpr int kMaxBatchesQueued = 4;
static constexpr uint32_t kMaxSnaplen = 262144;
/** No link carries a longer frame; a longer "frame" from JS is a mistake, refused before the kernel sees it. */
static constexpr uint32_t kMaxFrameBytes = 65535;

/** What one open makes, off the JS thread; the failing call's errno (or libpcap's message) when it failed. */
struct OpenedSocket {
  int fd = -1;
  int wakeFd = -1;
  uint8_t* ring = nullptr;
  size_t ringSize = 0;
  unsigned blockCount = 0;
  unsigned blockBytes = 0;
  uint32_t snaplen = 0;
  int linkType = 0;
  int err = 0;
  const char* failedCall = nullptr;
  std::string filterError;

  bool Fail(int e, const char* call) {
    err = e;
    failedCall = call;
    return false;
  }
  /**
   * Releasing a packet socket with a ring waits for the kernel's RCU grace periods twice (packet_set_ring and
   * packet_release each call synchronize_net): ~23 ms measured. No thread uses the socket any more, so a detached
   * thread releases it and the caller (close() on the JS thread) returns at once.
   */
  void Release() {
    if (ring != nullptr || fd >= 0)
      std::thread([ring = ring, ringSize = ringSize, fd = fd] {
        if (ring != nullptr) munmap(ring, ringSize);
        if (fd >= 0) close(fd);
      }).detach();
    ring = nullptr;
    fd = -1;
    if (wakeFd >= 0) close(wakeFd);
    wakeFd = -1;
  }
};

/** Tells a socket PacketSocket.open() made apart from any other External a constructor call could be given. */
static const napi_type_tag kOpenedSocketTag = {0x8f1c2a7e5b3d4c61, 0xa94e07d2c3b85f10};

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  /** Only PacketSocket.open() constructs one: (External<OpenedSocket>, onFrames, onError). */
  explicit PacketSocket(const Napi::CallbackInfo& info);
  ~PacketSocket() override {
    // Collected while open (JS forgot close()): the threads stop here, and the cleanup hook goes with the object.
    if (!closed_) cleanup_.Remove(Env());
    Shutdown();
  }

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info);
  void ReceiveLoop();
  /** Copies the frames of every block the kernel has handed over, from `*block` on, into one batch; returns the blocks. */
  void DrainBlocks(unsigned* block);
  tpacket_block_desc* BlockAt(unsigned index) { return reinterpret_cast<tpacket_block_desc*>(socket_.ring + static_cast<size_t>(index) * socket_.blockBytes); }
  /** The interface went away (or a send failed for good): onError once, and the receive thread stops. */
  void LinkFailed(int err, const char* what);
  void Shutdown();

  Napi::Value LinkType(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), socket_.linkType); }
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SendBatch(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  OpenedSocket socket_;
  bool closed_ = true;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> syncSent_{0};
  uint64_t dropped_ = 0;
  uint64_t captured_ = 0;
  JsEvents* events_ = nullptr;
  std::unique_ptr<SendQueue> sendQueue_;
  std::thread receiver_;
  Napi::Env::CleanupHook<std::function<void()>> cleanup_;
};

/** One PacketSocket.open() under way: its thread, and where its result goes on the JS thread. */
struct OpenRequest {
  Napi::Promise::Deferred deferred;
  Napi::FunctionReference* constructor;
  Napi::FunctionReference onFrames;
  Napi::FunctionReference onError;
  std::thread thread;
  /** JoinOpenThread is registered: the env may go away (a worker ending) while the thread runs */
  bool hooked = false;
};

/**
 * An env going away destroys its thread-safe functions whether or not a thread still holds them: its cleanup hooks
 * run in reverse order of registration, so this one (registered after the open's TSFN) waits for the open's thread
 * before the TSFN is torn down. An open takes milliseconds.
 */
static void JoinOpenThread(void* arg) {
  auto* request = static_cast<OpenRequest*>(arg);
  request->hooked = false;
  if (request->thread.joinable()) request->thread.join();
}

/** The TSFN's finalizer, on the JS thread, once the open has settled (or the env went away). */
static void FinishOpen(Napi::Env env, void*, OpenRequest* request) {
  if (request->hooked) napi_remove_env_cleanup_hook(env, JoinOpenThread, request);
  if (request->thread.joinable()) request->thread.join();
  delete request;
}

/** Settles an open on the JS thread; with no env (it is going away), only releases what the open made. */
static void SettleOpen(Napi::Env env, Napi::Function, OpenRequest* request, OpenedSocket* opened);
using OpenDone = Napi::TypedThreadSafeFunction<OpenRequest, OpenedSocket, SettleOpen>;

void PacketSocket::Init(Napi::Env env, Napi::Object exports) {
  // Per env (the addon loads in workers and twice in one process): open() finds it in its data; freed with the env.
  auto* reference = new Napi::FunctionReference();
  env.AddCleanupHook([reference] { delete reference; });
  Napi::Function constructor = DefineClass(env, "PacketSocket",
                                           {StaticMethod<&PacketSocket::Open>("open", napi_default, reference),
                                            InstanceAccessor<&PacketSocket::LinkType>("linkType"),
                                            InstanceMethod<&PacketSocket::Send>("send"),
                                            InstanceMethod<&PacketSocket::SendBatch>("sendBatch"),
                                            InstanceMethod<&PacketSocket::Stats>("stats"),
                                            InstanceMethod<&PacketSocket::Close>("close")});
  *reference = Napi::Persistent(constructor);
  exports.Set("PacketSocket", constructor);
}

static bool NumberOption(Napi::Object options, const char* name, double min, double max, double* out) {
  Napi::Value value = options.Get(name);
  double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= min && v <= max) || v != static_cast<double>(static_cast<int64_t>(v))) {
    Napi::RangeError::New(options.Env(), std::string("options.") + name + " must be a whole number from " + std::to_string(static_cast<int64_t>(min)) +
                                             " to " + std::to_string(static_cast<int64_t>(max)))
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = v;
  return true;
}

/**
 * Opens, filters, maps the ring and binds, on any thread; false with the failure in `out`. Setting the ring waits
 * for an RCU grace period (synchronize_net in packet_set_ring: 7–15 ms measured, every other call here takes
 * microseconds); opens running at the same time share one, so each open runs on a thread of its own.
 */
static bool OpenSocket(const std::string& iface, const std::string& filter, uint32_t ringBytes, OpenedSocket* out) {
  // Protocol 0: the socket takes no frames until bind() names ETH_P_ALL, after the filter is in place, so no
  // frame the filter would refuse is ever queued (a socket opened for ETH_P_ALL sees everything until then).
  out->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (out->fd < 0) return out->Fail(errno, "socket");
  if (iface.empty() || iface.size() >= IFNAMSIZ) return out->Fail(ENODEV, "interface name");
  unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) return out->Fail(errno, "if_nametoindex");
  ifreq request{};
  memcpy(request.ifr_name, iface.c_str(), iface.size());
  if (ioctl(out->fd, SIOCGIFHWADDR, &request) < 0) return out->Fail(errno, "SIOCGIFHWADDR");
  out->linkType = request.ifr_hwaddr.sa_family;

  std::vector<sock_filter> program;
  if (!CompileFilter(filter, static_cast<int>(out->snaplen), &program, &out->filterError)) return false;
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
  if (setsockopt(out->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) < 0) return out->Fail(errno, "SO_ATTACH_FILTER");

  int version = TPACKET_V3;
  if (setsockopt(out->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) return out->Fail(errno, "PACKET_VERSION");
  out->blockBytes = kMinBlockBytes;
  while (out->blockBytes < out->snaplen + kBlockOverheadBytes) out->blockBytes *= 2;
  out->blockCount = (ringBytes + out->blockBytes - 1) / out->blockBytes;
  if (out->blockCount < 2) out->blockCount = 2;
  tpacket_req3 ring{};
  ring.tp_block_size = out->blockBytes;
  ring.tp_block_nr = out->blockCount;
  ring.tp_frame_size = kNominalFrameBytes;
  ring.tp_frame_nr = out->blockCount * (out->blockBytes / kNominalFrameBytes);
  ring.tp_retire_blk_tov = kBlockTimeoutMs;
  if (setsockopt(out->fd, SOL_PACKET, PACKET_RX_RING, &ring, sizeof ring) < 0) return out->Fail(errno, "PACKET_RX_RING");
  size_t ringSize = static_cast<size_t>(out->blockCount) * out->blockBytes;
  // The kernel maps every page of the ring at once: it counts fully in the RSS from here on.
  void* mapped = mmap(nullptr, ringSize, PROT_READ | PROT_WRITE, MAP_SHARED, out->fd, 0);
  if (mapped == MAP_FAILED) return out->Fail(errno, "mmap");
  out->ring = static_cast<uint8_t*>(mapped);
  out->ringSize = ringSize;

  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(out->fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) return out->Fail(errno, "bind");
  out->wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (out->wakeFd < 0) return out->Fail(errno, "eventfd");
  return true;
}

/** PacketSocket.open(iface, filter, options): checks the arguments here, opens on a thread, settles on the JS thread. */
Napi::Value PacketSocket::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsObject()) {
    Napi::TypeError::New(env, "PacketSocket.open(iface: string, filter: string, options: object)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object options = info[2].As<Napi::Object>();
  double snaplen, ringBytes;
  if (!NumberOption(options, "snaplen", 1, kMaxSnaplen, &snaplen) || !NumberOption(options, "ringBytes", 1, 1 << 30, &ringBytes)) return env.Undefined();
  Napi::Value onFrames = options.Get("onFrames"), onError = options.Get("onError");
  if (!onFrames.IsFunction() || !onError.IsFunction()) {
    Napi::TypeError::New(env, "options.onFrames and options.onError must be functions").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* constructor = static_cast<Napi::FunctionReference*>(info.Data());
  auto* request = new OpenRequest{Napi::Promise::Deferred::New(env), constructor, Napi::Persistent(onFrames.As<Napi::Function>()),
                                  Napi::Persistent(onError.As<Napi::Function>()), std::thread(), false};
  Napi::Promise promise = request->deferred.Promise();
  // The request is the TSFN's context: its finalizer deletes it on the JS thread, after the open has settled.
  OpenDone done = OpenDone::New(env, Napi::Function(), "portlab:PacketSocket.open", 0, 1, request, FinishOpen);
  request->hooked = napi_add_env_cleanup_hook(env, JoinOpenThread, request) == napi_ok;
  auto* opened = new OpenedSocket();
  opened->snaplen = static_cast<uint32_t>(snaplen);
  request->thread = std::thread([done, opened, iface = info[0].As<Napi::String>().Utf8Value(), filter = info[1].As<Napi::String>().Utf8Value(),
                                 ring = static_cast<uint32_t>(ringBytes)]() mutable {
    pthread_setname_np(pthread_self(), "pl-open");
    OpenSocket(iface, filter, ring, opened);
    if (done.BlockingCall(opened) != napi_ok) {
      opened->Release();
      delete opened;
    }
    done.Release();
  });
  return promise;
}

static void SettleOpen(Napi::Env env, Napi::Function, OpenRequest* request, OpenedSocket* opened) {
  std::unique_ptr<OpenedSocket> owned(opened);
  if (env == nullptr) {
    opened->Release();
    return;
  }
  // The thread has handed its result over and only releases the TSFN now: the join is at once.
  if (request->hooked) napi_remove_env_cleanup_hook(env, JoinOpenThread, request);
  request->hooked = false;
  request->thread.join();
  Napi::HandleScope scope(env);
  if (!opened->filterError.empty()) {
    request->deferred.Reject(Napi::Error::New(env, "bad capture filter: " + opened->filterError).Value());
  } else if (opened->failedCall != nullptr) {
    request->deferred.Reject(ErrnoError(env, opened->err, opened->failedCall).Value());
  } else {
    Napi::External<OpenedSocket> handle = Napi::External<OpenedSocket>::New(env, opened);
    // An env being torn down (a worker ending) makes no new values, and the failure is swallowed (binding.gyp):
    // nobody is left to settle the promise for, and an empty handle must not reach another call.
    if (handle.IsEmpty()) {
      opened->Release();
      return;
    }
    handle.TypeTag(&kOpenedSocketTag);
    // The constructor takes the socket over (or leaves it here when it throws).
    Napi::Object socket = request->constructor->New({handle, request->onFrames.Value(), request->onError.Value()});
    if (env.IsExceptionPending())
      request->deferred.Reject(env.GetAndClearPendingException().Value());
    else if (!socket.IsEmpty())
      request->deferred.Resolve(socket);
  }
  opened->Release();
}

PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal() || !info[0].As<Napi::External<OpenedSocket>>().CheckTypeTag(&kOpenedSocketTag)) {
    Napi::TypeError::New(env, "a PacketSocket is made by PacketSocket.open(iface, filter, options)").ThrowAsJavaScriptException();
    return;
  }
  OpenedSocket* opened = info[0].As<Napi::External<OpenedSocket>>().Data();
  socket_ = *opened;
  *opened = OpenedSocket();
  closed_ = false;
  events_ = JsEvents::Create(env, info[1].As<Napi::Function>(), info[2].As<Napi::Function>(), "portlab:PacketSocket");
  sendQueue_ = std::make_unique<SendQueue>(socket_.fd, [this](int err) { LinkFailed(err, "send"); });
  // A worker thread ending, or the process exiting, with the socket open: the threads must not outlive the env.
  cleanup_ = env.AddCleanupHook(std::function<void()>([this] { Shutdown(); }));
  receiver_ = std::thread(&PacketSocket::ReceiveLoop, this);
}

void PacketSocket::ReceiveLoop() {
  pthread_setname_np(pthread_self(), "pl-recv");
  pollfd fds[2] = {{socket_.fd, POLLIN, 0}, {socket_.wakeFd, POLLIN, 0}};
  unsigned block = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    if (events_->BatchesQueued() >= kMaxBatchesQueued) {
      // JS is behind: the blocks stay ours, the ring fills, and the kernel counts what it drops (stats().dropped).
      poll(&fds[1], 1, 1);
      continue;
    }
    if (__atomic_load_n(&BlockAt(block)->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) {
      DrainBlocks(&block);
      continue;
    }
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      LinkFailed(errno, "poll");
      return;
    }
    if (fds[1].revents) return;
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      int err = 0;
      socklen_t length = sizeof err;
      getsockopt(socket_.fd, SOL_SOCKET, SO_ERROR, &err, &length);
      LinkFailed(err != 0 ? err : ENETDOWN, "receive");
      return;
    }
  }
}

void PacketSocket::DrainBlocks(unsigned* block) {
  // Two passes over the handed-over blocks: sizes first, so the batch is one allocation.
  uint32_t count = 0;
  size_t dataBytes = 0;
  unsigned ready = 0;
  for (; ready < socket_.blockCount; ready++) {
    tpacket_block_desc* desc = BlockAt((*block + ready) % socket_.blockCount);
    if (!(__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) break;
    auto* frame = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<uint8_t*>(desc) + desc->hdr.bh1.offset_to_first_pkt);
    for (uint32_t i = 0; i < desc->hdr.bh1.num_pkts; i++) {
      dataBytes += frame->tp_snaplen < socket_.snaplen ? frame->tp_snaplen : socket_.snaplen;
      count++;
      frame = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<uint8_t*>(frame) + frame->tp_next_offset);
    }
  }
  FrameBatch batch;
  batch.count = count;
  batch.bytes = FrameBatch::HeaderBytes(count) + dataBytes;
  batch.buffer = count > 0 ? static_cast<uint8_t*>(malloc(batch.bytes)) : nullptr;
  size_t at = 0;
  uint32_t k = 0;
  for (unsigned b = 0; b < ready; b++) {
    tpacket_block_desc* desc = BlockAt(*block);
    if (batch.buffer != nullptr) {
      auto* frame = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<uint8_t*>(desc) + desc->hdr.bh1.offset_to_first_pkt);
      for (uint32_t i = 0; i < desc->hdr.bh1.num_pkts; i++, k++) {
        uint32_t length = frame->tp_snaplen < socket_.snaplen ? frame->tp_snaplen : socket_.snaplen;
        memcpy(batch.data() + at, reinterpret_cast<uint8_t*>(frame) + frame->tp_mac, length);
        batch.offsets()[k] = static_cast<uint32_t>(at);
        batch.lengths()[k] = length;
        batch.times()[k] = static_cast<double>(frame->tp_sec) * 1e6 + static_cast<double>(frame->tp_nsec / 1000);
        at += length;
        frame = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<uint8_t*>(frame) + frame->tp_next_offset);
      }
    }
    __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    *block = (*block + 1) % socket_.blockCount;
  }
  if (count == 0) return;
  if (batch.buffer == nullptr) return;  // out of memory: these frames are lost, as the kernel's drops are
  received_.fetch_add(count, std::memory_order_relaxed);
  events_->PostBatch(batch);
}

void PacketSocket::LinkFailed(int err, const char* what) {
  if (failed_.exchange(true)) return;
  events_->PostError(ErrnoMessage(err, what));
  stop_.store(true, std::memory_order_release);
  uint64_t one = 1;
  if (write(socket_.wakeFd, &one, sizeof one) < 0) {
    // the eventfd cannot be full after one write; the thread also sees stop_ on its next pass
  }
}

Napi::Value PacketSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data;
  size_t length;
  if (!ArgBytes(info, 0, "frame", &data, &length)) return env.Undefined();
  if (closed_) {
    Napi::Error::New(env, "the packet socket is closed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (length > kMaxFrameBytes) {
    Napi::RangeError::New(env, "a frame is at most 65535 bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double sentAt = NowMicros();
  // Never blocks the JS thread: a full socket buffer is EAGAIN, which the caller counts as a lost frame.
  if (send(socket_.fd, data, length, MSG_DONTWAIT) < 0) {
    ThrowErrno(env, errno, "send");
    return env.Undefined();
  }
  syncSent_.fetch_add(1, std::memory_order_relaxed);
  return Napi::Number::New(env, sentAt);
}

Napi::Value PacketSocket::SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FrameList frames;
  if (!ArgFrames(info, kMaxFrameBytes, &frames)) return env.Undefined();
  if (closed_) {
    Napi::Error::New(env, "the packet socket is closed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double queuedAt = NowMicros();
  if (frames.count == 0 || failed_.load(std::memory_order_acquire)) return Napi::Number::New(env, queuedAt);
  return Napi::Number::New(env, sendQueue_->Push(frames) ? queuedAt : -1);
}

Napi::Value PacketSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!closed_) {
    // The kernel resets its counters on every read: they are summed here.
    tpacket_stats_v3 kernel{};
    socklen_t length = sizeof kernel;
    // TPACKET_V3's tp_packets counts the drops too; what is left went into the ring, a block not yet retired included.
    if (getsockopt(socket_.fd, SOL_PACKET, PACKET_STATISTICS, &kernel, &length) == 0) {
      dropped_ += kernel.tp_drops;
      captured_ += kernel.tp_packets - kernel.tp_drops;
    }
  }
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("received", Napi::Number::New(env, static_cast<double>(received_.load())));
  stats.Set("dropped", Napi::Number::New(env, static_cast<double>(dropped_)));
  stats.Set("captured", Napi::Number::New(env, static_cast<double>(captured_)));
  stats.Set("sent", Napi::Number::New(env, static_cast<double>(syncSent_.load() + (sendQueue_ ? sendQueue_->sent() : 0))));
  stats.Set("sendErrors", Napi::Number::New(env, static_cast<double>(sendQueue_ ? sendQueue_->errors() : 0)));
  stats.Set("queued", Napi::Number::New(env, static_cast<double>(sendQueue_ ? sendQueue_->queued() : 0)));
  return stats;
}

Napi::Value PacketSocket::Close(const Napi::CallbackInfo& info) {
  if (!closed_) cleanup_.Remove(info.Env());
  Shutdown();
  return info.Env().Undefined();
}

void PacketSocket::Shutdown() {
  bool wasOpen = !closed_;
  closed_ = true;
  if (wasOpen) {
    stop_.store(true, std::memory_order_release);
    uint64_t one = 1;
    if (write(socket_.wakeFd, &one, sizeof one) < 0) {
      // see LinkFailed
    }
    if (receiver_.joinable()) receiver_.join();
    sendQueue_->Stop();
    events_->Close();
    events_ = nullptr;
  }
  socket_.Release();
}

void InitPacketSocket(Napi::Env env, Napi::Object exports) {
  PacketSocket::Init(env, exports);
  exports.Set("ringBlockBytes", Napi::Number::New(env, kMinBlockBytes));
}

}  // namespace portlab
