// The connect scan's engine: non-blocking connect() attempts run by one thread ("pl-connect") on epoll,
// their results handed to JS in batches through a ThreadSafeFunction. JS pays one call per batch instead of
// a net.Socket, an Error and a promise per port.

#include "common.h"
#include "modules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int32_t kTimedOut = -1;
constexpr int kMaxEvents = 256;
constexpr int kConnectChunk = 32;

double MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// One start() call: every port of it goes to the same address with the same timeout.
struct Request {
  sockaddr_storage address;
  socklen_t addressLength;
  std::vector<uint16_t> ports;
  std::vector<uint32_t> ids;
  double timeoutUs;
};

struct Attempt {
  int fd = -1;  // -1: the slot is free
  uint32_t id = 0;
  uint32_t generation = 0;
  double startedUs = 0;
};

struct Deadline {
  double atUs;
  uint32_t slot;
  uint32_t generation;
  bool operator>(const Deadline& other) const { return atUs > other.atUs; }
};

// Results finished by the thread and not yet taken by JS.
struct Results {
  std::vector<uint32_t> ids;
  std::vector<int32_t> errnos;
  std::vector<double> elapsedUs;
  void Add(uint32_t id, int32_t err, double elapsed) {
    ids.push_back(id);
    errnos.push_back(err);
    elapsedUs.push_back(elapsed);
  }
  void Clear() {
    ids.clear();
    errnos.clear();
    elapsedUs.clear();
  }
};

// A connect() to a port of this host meets itself when the kernel picks that same port as its source
// (TCP simultaneous open): the socket is connected, to itself.
bool SelfConnected(int fd) {
  sockaddr_storage local, peer;
  socklen_t localLength = sizeof local, peerLength = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) != 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLength) != 0 || local.ss_family != peer.ss_family)
    return false;
  if (local.ss_family == AF_INET) {
    auto* l = reinterpret_cast<sockaddr_in*>(&local);
    auto* p = reinterpret_cast<sockaddr_in*>(&peer);
    return l->sin_port == p->sin_port && l->sin_addr.s_addr == p->sin_addr.s_addr;
  }
  auto* l = reinterpret_cast<sockaddr_in6*>(&local);
  auto* p = reinterpret_cast<sockaddr_in6*>(&peer);
  return l->sin6_port == p->sin6_port && memcmp(&l->sin6_addr, &p->sin6_addr, sizeof l->sin6_addr) == 0;
}

struct Core;
void DeliverResults(Napi::Env env, Napi::Function onResults, std::shared_ptr<Core>* context, std::nullptr_t*);
using ResultsTsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<Core>, std::nullptr_t, DeliverResults>;

// What the thread and the JS side share. Owned by a shared_ptr so that a TSFN call still queued when the
// engine is closed (Node may run it after the release) finds it alive and sees `closed`.
struct Core {
  int epollFd = -1;
  int wakeFd = -1;
  std::thread thread;
  ResultsTsfn tsfn;

  std::mutex mutex;  // guards requests, results, callQueued, stopping
  std::vector<Request> requests;
  Results results;
  bool callQueued = false;
  bool stopping = false;

  // JS thread only
  bool closed = false;
  int64_t inFlight = 0;

  // the thread only
  std::vector<Attempt> attempts;
  std::vector<uint32_t> freeSlots;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines;
  Results finished;

  void Wake() {
    uint64_t one = 1;
    // A full counter (never in practice) still leaves the eventfd readable, which is all the thread needs.
    ssize_t written = write(wakeFd, &one, sizeof one);
    (void)written;
  }

  uint32_t TakeSlot() {
    if (freeSlots.empty()) {
      attempts.emplace_back();
      return static_cast<uint32_t>(attempts.size() - 1);
    }
    uint32_t slot = freeSlots.back();
    freeSlots.pop_back();
    return slot;
  }

  void Finish(uint32_t slot, int32_t err, double nowUs) {
    Attempt& a = attempts[slot];
    if (err == 0) {
      // A reset, not a FIN: the target sees S → SA → A → RA, as from nmap -sT, and keeps no session.
      linger reset = {1, 0};
      setsockopt(a.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      // As nmap: a self-connect proves no listener; reported as a timeout, the port is tried again.
      if (SelfConnected(a.fd)) err = kTimedOut;
    }
    close(a.fd);  // also leaves the epoll set
    finished.Add(a.id, err, nowUs - a.startedUs);
    a.fd = -1;
    a.generation++;
    freeSlots.push_back(slot);
  }

  void Connect(const Request& r, size_t k) {
    double nowUs = MonotonicUs();
    int fd = socket(r.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      // EMFILE, ENFILE, ENOBUFS…: the attempt's result; JS tries the port again later.
      finished.Add(r.ids[k], errno, 0);
      return;
    }
    sockaddr_storage to = r.address;
    if (to.ss_family == AF_INET6)
      reinterpret_cast<sockaddr_in6*>(&to)->sin6_port = htons(r.ports[k]);
    else
      reinterpret_cast<sockaddr_in*>(&to)->sin_port = htons(r.ports[k]);
    uint32_t slot = TakeSlot();
    Attempt& a = attempts[slot];
    a.fd = fd;
    a.id = r.ids[k];
    a.startedUs = nowUs;
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), r.addressLength) == 0) {
      Finish(slot, 0, MonotonicUs());
      return;
    }
    if (errno != EINPROGRESS) {
      Finish(slot, errno, MonotonicUs());
      return;
    }
    // On a veth or lo the target's answer is usually processed inside connect() already: a refusal is
    // known now, without a trip through epoll.
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
      Finish(slot, err, MonotonicUs());
      return;
    }
    epoll_event ev = {};
    ev.events = EPOLLOUT;
    ev.data.u64 = (static_cast<uint64_t>(a.generation) << 32) | slot;
    if (epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      Finish(slot, errno, MonotonicUs());
      return;
    }
    deadlines.push({nowUs + r.timeoutUs, slot, a.generation});
  }

  void Completed(uint64_t data) {
    uint32_t slot = static_cast<uint32_t>(data);
    uint32_t generation = static_cast<uint32_t>(data >> 32);
    if (slot >= attempts.size() || attempts[slot].generation != generation || attempts[slot].fd < 0) return;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(attempts[slot].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    Finish(slot, err, MonotonicUs());
  }

  void ExpireDue(double nowUs) {
    while (!deadlines.empty() && deadlines.top().atUs <= nowUs) {
      Deadline d = deadlines.top();
      deadlines.pop();
      if (attempts[d.slot].generation == d.generation && attempts[d.slot].fd >= 0) Finish(d.slot, kTimedOut, nowUs);
    }
  }

  int MsUntilNextDeadline(double nowUs) {
    // Stale entries (attempts already finished) only make the thread wake early once.
    if (deadlines.empty()) return -1;
    double waitUs = deadlines.top().atUs - nowUs;
    return waitUs <= 0 ? 0 : static_cast<int>((waitUs + 999) / 1000);
  }

  // Hands the thread's finished results over; at most one call waits in Node's queue, and it takes whatever
  // has gathered by the time it runs, so a busy JS thread gets fewer, larger batches.
  void Publish() {
    if (finished.ids.empty()) return;
    bool call = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      results.ids.insert(results.ids.end(), finished.ids.begin(), finished.ids.end());
      results.errnos.insert(results.errnos.end(), finished.errnos.begin(), finished.errnos.end());
      results.elapsedUs.insert(results.elapsedUs.end(), finished.elapsedUs.begin(), finished.elapsedUs.end());
      if (!callQueued) call = callQueued = true;
    }
    finished.Clear();
    if (call) tsfn.NonBlockingCall();
  }

  void Run() {
    pthread_setname_np(pthread_self(), "pl-connect");
    epoll_event events[kMaxEvents];
    std::deque<Request> todo;
    size_t next = 0;  // the next port of todo.front()
    for (;;) {
      int n = epoll_wait(epollFd, events, kMaxEvents, todo.empty() ? MsUntilNextDeadline(MonotonicUs()) : 0);
      if (n < 0 && errno != EINTR) break;
      bool woken = false;
      for (int i = 0; i < n; i++) {
        if (events[i].data.u64 == UINT64_MAX)
          woken = true;
        else
          Completed(events[i].data.u64);
      }
      if (woken) {
        uint64_t count;
        ssize_t got = read(wakeFd, &count, sizeof count);
        (void)got;
        std::lock_guard<std::mutex> lock(mutex);
        if (stopping) break;
        for (Request& r : requests) todo.push_back(std::move(r));
        requests.clear();
      }
      // On a veth or lo each connect() runs the target's stack inside the call: a few at a time, so results
      // reach JS (which starts the next attempts) while the rest are still being started.
      for (int started = 0; started < kConnectChunk && !todo.empty(); started++) {
        Connect(todo.front(), next);
        if (++next == todo.front().ports.size()) {
          todo.pop_front();
          next = 0;
        }
      }
      ExpireDue(MonotonicUs());
      Publish();
    }
    for (Attempt& a : attempts)
      if (a.fd >= 0) close(a.fd);
  }
};

void DeliverResults(Napi::Env env, Napi::Function onResults, std::shared_ptr<Core>* context, std::nullptr_t*) {
  Core& core = **context;
  Results batch;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    std::swap(batch, core.results);
    core.callQueued = false;
  }
  if (env == nullptr || core.closed || batch.ids.empty()) return;
  size_t count = batch.ids.size();
  core.inFlight -= static_cast<int64_t>(count);
  Napi::HandleScope scope(env);
  auto ids = Napi::Uint32Array::New(env, count);
  auto errnos = Napi::Int32Array::New(env, count);
  auto elapsed = Napi::Float64Array::New(env, count);
  memcpy(ids.Data(), batch.ids.data(), count * sizeof(uint32_t));
  memcpy(errnos.Data(), batch.errnos.data(), count * sizeof(int32_t));
  memcpy(elapsed.Data(), batch.elapsedUs.data(), count * sizeof(double));
  onResults.Call({ids, errnos, elapsed, Napi::Number::New(env, static_cast<double>(count))});
}

// The address of start(): IPv4, or IPv6 with an optional %zone (an interface name or index).
bool ParseAddress(const std::string& text, sockaddr_storage* out, socklen_t* length) {
  addrinfo hints = {};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(text.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return false;
  memcpy(out, found->ai_addr, found->ai_addrlen);
  *length = found->ai_addrlen;
  freeaddrinfo(found);
  return true;
}

class ConnectEngine : public Napi::ObjectWrap<ConnectEngine> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("ConnectEngine", DefineClass(env, "ConnectEngine",
                                             {
                                                 InstanceMethod<&ConnectEngine::Start>("start"),
                                                 InstanceAccessor<&ConnectEngine::InFlight>("inFlight"),
                                                 InstanceMethod<&ConnectEngine::Close>("close"),
                                             }));
  }

  explicit ConnectEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ConnectEngine>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      Napi::TypeError::New(env, "ConnectEngine(onResults): onResults must be a function").ThrowAsJavaScriptException();
      return;
    }
    auto core = std::make_shared<Core>();
    core->epollFd = epoll_create1(EPOLL_CLOEXEC);
    core->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    if (core->epollFd < 0 || core->wakeFd < 0 || epoll_ctl(core->epollFd, EPOLL_CTL_ADD, core->wakeFd, &ev) != 0) {
      int err = errno;
      if (core->epollFd >= 0) close(core->epollFd);
      if (core->wakeFd >= 0) close(core->wakeFd);
      portlab::ThrowErrno(env, err, "ConnectEngine: epoll/eventfd");
      return;
    }
    auto* context = new std::shared_ptr<Core>(core);
    core->tsfn = ResultsTsfn::New(env, info[0].As<Napi::Function>(), "pl-connect", 0, 1, context,
                                  [](Napi::Env, void*, std::shared_ptr<Core>* ctx) { delete ctx; });
    core->thread = std::thread([raw = core.get()] { raw->Run(); });
    core_ = core;
  }

  ~ConnectEngine() override { Stop(); }

 private:
  // start(address, ports: Uint16Array, ids: Uint32Array, count, timeoutMs)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!core_ || core_->closed) {
      Napi::Error::New(env, "ConnectEngine.start: the engine is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (info.Length() < 5 || !info[0].IsString() || !info[1].IsTypedArray() || !info[2].IsTypedArray() ||
        !info[3].IsNumber() || !info[4].IsNumber() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array ||
        info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      Napi::TypeError::New(env, "ConnectEngine.start(address: string, ports: Uint16Array, ids: Uint32Array, count: number, timeoutMs: number)")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto ports = info[1].As<Napi::Uint16Array>();
    auto ids = info[2].As<Napi::Uint32Array>();
    double count = info[3].As<Napi::Number>().DoubleValue();
    double timeoutMs = info[4].As<Napi::Number>().DoubleValue();
    if (!(count >= 0) || count != static_cast<double>(static_cast<size_t>(count)) || count > ports.ElementLength() ||
        count > ids.ElementLength()) {
      Napi::RangeError::New(env, "ConnectEngine.start: count must be a whole number no larger than ports and ids")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!(timeoutMs > 0) || timeoutMs > 3.6e6) {
      Napi::RangeError::New(env, "ConnectEngine.start: timeoutMs must be above 0 and at most an hour").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Request r;
    std::string address = info[0].As<Napi::String>().Utf8Value();
    if (!ParseAddress(address, &r.address, &r.addressLength)) {
      Napi::TypeError::New(env, "ConnectEngine.start: not an IP address: " + address).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    size_t n = static_cast<size_t>(count);
    if (n == 0) return env.Undefined();
    r.ports.assign(ports.Data(), ports.Data() + n);
    r.ids.assign(ids.Data(), ids.Data() + n);
    r.timeoutUs = timeoutMs * 1000;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      core_->requests.push_back(std::move(r));
    }
    core_->inFlight += static_cast<int64_t>(n);
    core_->Wake();
    return env.Undefined();
  }

  Napi::Value InFlight(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), core_ ? static_cast<double>(core_->inFlight) : 0);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  void Stop() {
    if (!core_ || core_->closed) return;
    core_->closed = true;
    core_->inFlight = 0;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      core_->stopping = true;
    }
    core_->Wake();
    core_->thread.join();
    close(core_->epollFd);
    close(core_->wakeFd);
    core_->tsfn.Release();
  }

  std::shared_ptr<Core> core_;
};

}  // namespace

void portlab::InitConnectEngine(Napi::Env env, Napi::Object exports) { ConnectEngine::Init(env, exports); }
