// The connect scan's engine: non-blocking connect() attempts run by kLanes threads ("pl-connect"), each on its
// own epoll, their results handed to JS in batches through one ThreadSafeFunction. JS pays one call per batch
// instead of a net.Socket, an Error and a promise per port. If a thread itself fails (epoll, its eventfd), JS hears
// it once through onError and the attempts still in flight are dropped: nobody waits for results that cannot come.

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
#include <functional>
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
// On a veth the target's stack runs inside each connect(): one thread spent ~10 µs of CPU per port and was the
// connect phase's limit. Two threads, each start() split between them, took the engine alone through a full range
// (65,535 ports of a lab target, 100 ms timeout, ≤ 256 in flight) from 671 to 428 ms (medians of 7, 2 cores).
constexpr size_t kLanes = 2;

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
void DeliverBatch(Napi::Env env, Napi::Function onResults, Core& core, const Results& batch);
void DeliverResults(Napi::Env env, Napi::Function onResults, std::shared_ptr<Core>* context, std::nullptr_t*);
using ResultsTsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<Core>, std::nullptr_t, DeliverResults>;

// One connect thread, its epoll set and its share of the attempts.
struct Lane {
  Core* core = nullptr;
  int epollFd = -1;
  int wakeFd = -1;
  std::thread thread;

  std::mutex mutex;  // guards requests, stopping
  std::vector<Request> requests;
  bool stopping = false;

  // the thread only
  std::vector<Attempt> attempts;
  std::vector<uint32_t> freeSlots;
  // Sockets whose connect() itself reported a refusal, which leaves them unconnected and ready for the next port
  // of their family ([0] IPv4, [1] IPv6). Each is taken by the next attempt, so they stay as few as the threads'
  // attempts in flight.
  std::vector<int> spare[2];
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines;
  Results finished;
  int fatalErrno = 0;  // what stopped the thread, with fatalWhat
  const char* fatalWhat = nullptr;

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
    Release(slot, err, nowUs);
  }

  void FinishRefused(uint32_t slot, sa_family_t family, double nowUs) {
    spare[family == AF_INET6].push_back(attempts[slot].fd);
    Release(slot, ECONNREFUSED, nowUs);
  }

  void Release(uint32_t slot, int32_t err, double nowUs) {
    Attempt& a = attempts[slot];
    finished.Add(a.id, err, nowUs - a.startedUs);
    a.fd = -1;
    a.generation++;
    freeSlots.push_back(slot);
  }

  int TakeSocket(sa_family_t family) {
    std::vector<int>& kept = spare[family == AF_INET6];
    if (kept.empty()) return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    int fd = kept.back();
    kept.pop_back();
    return fd;
  }

  void Connect(const Request& r, size_t k) {
    double nowUs = MonotonicUs();
    int fd = TakeSocket(r.address.ss_family);
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
    // On a veth or lo the target's answer is usually processed inside connect() already, and a second connect()
    // reads it without a trip through epoll: 0 when connected, EALREADY while still waiting. A refusal read this
    // way also leaves the socket unconnected, ready for the next port without a close() and a socket(): over a
    // full range of refusals (one thread, 65,535 ports of a lab target on veth) this took the kernel's time from
    // ~520 to ~340 ms against socket, connect, getsockopt(SO_ERROR) and close per port. The packets are the same
    // but for one field: the kernel goes on from such a socket's sequence numbers (its next SYN's is 3 above the
    // refused one's) instead of drawing a new initial one. No state or reason reads it.
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), r.addressLength) == 0) {
      Finish(slot, 0, MonotonicUs());
      return;
    }
    if (errno == ECONNREFUSED) {
      FinishRefused(slot, to.ss_family, MonotonicUs());
      return;
    }
    if (errno != EALREADY) {
      Finish(slot, errno, MonotonicUs());
      return;
    }
    epoll_event ev = {};
    ev.events = EPOLLOUT;
    ev.data.u64 = (static_cast<uint64_t>(a.generation) << 32) | slot;
    if (epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      int err = errno;
      // Out of memory or of epoll watches is this attempt's result, tried again later; anything else is a
      // broken epoll set: every later attempt would fail the same way, and this one is dropped with the rest.
      if (err == ENOMEM || err == ENOSPC) {
        Finish(slot, err, MonotonicUs());
        return;
      }
      close(fd);
      a.fd = -1;
      a.generation++;
      freeSlots.push_back(slot);
      Fatal(err, "epoll_ctl");
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

  void Fatal(int err, const char* what) {
    if (fatalWhat != nullptr) return;
    fatalErrno = err;
    fatalWhat = what;
  }

  void Publish();
  void Run();

  // Runs until close() or a failure of the thread's own machinery (fatalWhat set).
  void Loop() {
    epoll_event events[kMaxEvents];
    std::deque<Request> todo;
    size_t next = 0;  // the next port of todo.front()
    while (fatalWhat == nullptr) {
      int n = epoll_wait(epollFd, events, kMaxEvents, todo.empty() ? MsUntilNextDeadline(MonotonicUs()) : 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        Fatal(errno, "epoll_wait");
        return;
      }
      bool woken = false;
      for (int i = 0; i < n; i++) {
        if (events[i].data.u64 == UINT64_MAX)
          woken = true;
        else
          Completed(events[i].data.u64);
      }
      if (woken) {
        uint64_t count;
        // EAGAIN: the (non-blocking) eventfd had nothing after all; the requests are read below either way.
        if (read(wakeFd, &count, sizeof count) < 0 && errno != EAGAIN && errno != EINTR) {
          Fatal(errno, "eventfd read");
          return;
        }
        std::lock_guard<std::mutex> lock(mutex);
        if (stopping) return;
        for (Request& r : requests) todo.push_back(std::move(r));
        requests.clear();
      }
      // On a veth or lo each connect() runs the target's stack inside the call: a few at a time, so results
      // reach JS (which starts the next attempts) while the rest are still being started.
      for (int started = 0; started < kConnectChunk && !todo.empty() && fatalWhat == nullptr; started++) {
        Connect(todo.front(), next);
        if (++next == todo.front().ports.size()) {
          todo.pop_front();
          next = 0;
        }
      }
      ExpireDue(MonotonicUs());
      Publish();
    }
  }
};

// What the threads and the JS side share. Owned by a shared_ptr so that a TSFN call still queued when the
// engine is closed (Node may run it after the release) finds it alive and sees `closed`.
struct Core {
  std::vector<std::unique_ptr<Lane>> lanes;
  ResultsTsfn tsfn;

  std::mutex mutex;  // guards results, failure, callQueued, stopping
  Results results;
  std::string failure;  // the first thread's reason to give up, until delivered to JS (`failed` keeps it at one)
  bool callQueued = false;
  bool stopping = false;

  // JS thread only
  bool closed = false;
  bool failed = false;  // onError called
  int64_t inFlight = 0;
  size_t nextLane = 0;  // where the first share of the next start() goes
  Napi::FunctionReference onError;

  // Hands a thread's finished results over; at most one call waits in Node's queue, and it takes whatever has
  // gathered (from every thread) by the time it runs, so a busy JS thread gets fewer, larger batches.
  void Publish(Results& finished) {
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

  // A thread's last word when it fails: the failure goes with (after) the results gathered so far.
  void PublishFailure(int err, const char* what) {
    bool call = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping || !failure.empty()) return;  // close() is under way, or JS hears of one failure only
      failure = portlab::ErrnoMessage(err, what);
      if (!callQueued) call = callQueued = true;
    }
    if (call) tsfn.NonBlockingCall();
  }
};

void Lane::Publish() { core->Publish(finished); }

void Lane::Run() {
  pthread_setname_np(pthread_self(), "pl-connect");
  Loop();
  if (fatalWhat != nullptr) {
    Publish();
    core->PublishFailure(fatalErrno, fatalWhat);
  }
  for (Attempt& a : attempts)
    if (a.fd >= 0) close(a.fd);
  for (std::vector<int>& kept : spare)
    for (int fd : kept) close(fd);
}

void DeliverResults(Napi::Env env, Napi::Function onResults, std::shared_ptr<Core>* context, std::nullptr_t*) {
  Core& core = **context;
  Results batch;
  std::string failure;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    std::swap(batch, core.results);
    std::swap(failure, core.failure);
    core.callQueued = false;
  }
  if (env == nullptr || core.closed || core.failed) return;
  Napi::HandleScope scope(env);
  if (!batch.ids.empty()) DeliverBatch(env, onResults, core, batch);
  // (onResults may have closed the engine)
  if (failure.empty() || core.closed) return;
  core.failed = true;
  core.inFlight = 0;
  core.onError.Call({Napi::String::New(env, failure)});
}

void DeliverBatch(Napi::Env env, Napi::Function onResults, Core& core, const Results& batch) {
  size_t count = batch.ids.size();
  core.inFlight -= static_cast<int64_t>(count);
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
    if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "ConnectEngine(onResults, onError): both must be functions").ThrowAsJavaScriptException();
      return;
    }
    auto core = std::make_shared<Core>();
    for (size_t k = 0; k < kLanes; k++) {
      auto lane = std::make_unique<Lane>();
      lane->core = core.get();
      lane->epollFd = epoll_create1(EPOLL_CLOEXEC);
      lane->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      epoll_event ev = {};
      ev.events = EPOLLIN;
      ev.data.u64 = UINT64_MAX;
      bool ready = lane->epollFd >= 0 && lane->wakeFd >= 0 && epoll_ctl(lane->epollFd, EPOLL_CTL_ADD, lane->wakeFd, &ev) == 0;
      int err = errno;
      core->lanes.push_back(std::move(lane));
      if (!ready) {
        for (auto& made : core->lanes) {
          if (made->epollFd >= 0) close(made->epollFd);
          if (made->wakeFd >= 0) close(made->wakeFd);
        }
        portlab::ThrowErrno(env, err, "ConnectEngine: epoll/eventfd");
        return;
      }
    }
    core->onError = Napi::Persistent(info[1].As<Napi::Function>());
    auto* context = new std::shared_ptr<Core>(core);
    core->tsfn = ResultsTsfn::New(env, info[0].As<Napi::Function>(), "pl-connect", 0, 1, context,
                                  [](Napi::Env, void*, std::shared_ptr<Core>* ctx) { delete ctx; });
    for (auto& lane : core->lanes) lane->thread = std::thread([raw = lane.get()] { raw->Run(); });
    core_ = core;
    // A worker thread ending, or the process exiting, with the engine open: the thread is joined and the TSFN
    // released while the env is whole (registered after the TSFN, so this hook runs before the TSFN's own).
    cleanup_ = env.AddCleanupHook(std::function<void()>([this] { Stop(); }));
  }

  ~ConnectEngine() override {
    // Collected while open (JS forgot close()): the thread stops here, and the cleanup hook goes with the object.
    if (core_ && !core_->closed) cleanup_.Remove(Env());
    Stop();
  }

 private:
  // start(address, ports: Uint16Array, ids: Uint32Array, count, timeoutMs)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!core_ || core_->closed) {
      Napi::Error::New(env, "ConnectEngine.start: the engine is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (core_->failed) {
      Napi::Error::New(env, "ConnectEngine.start: the engine has failed (onError said why)").ThrowAsJavaScriptException();
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
    r.timeoutUs = timeoutMs * 1000;
    // Consecutive shares to the threads in turn; a start() of one port goes to the next thread.
    size_t share = (n + kLanes - 1) / kLanes;
    for (size_t from = 0; from < n; from += share) {
      size_t to = from + share < n ? from + share : n;
      Request part;
      part.address = r.address;
      part.addressLength = r.addressLength;
      part.timeoutUs = r.timeoutUs;
      part.ports.assign(ports.Data() + from, ports.Data() + to);
      part.ids.assign(ids.Data() + from, ids.Data() + to);
      Lane& lane = *core_->lanes[core_->nextLane];
      core_->nextLane = (core_->nextLane + 1) % kLanes;
      {
        std::lock_guard<std::mutex> lock(lane.mutex);
        lane.requests.push_back(std::move(part));
      }
      lane.Wake();
    }
    core_->inFlight += static_cast<int64_t>(n);
    return env.Undefined();
  }

  Napi::Value InFlight(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), core_ ? static_cast<double>(core_->inFlight) : 0);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (core_ && !core_->closed) cleanup_.Remove(info.Env());
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
    for (auto& lane : core_->lanes) {
      {
        std::lock_guard<std::mutex> lock(lane->mutex);
        lane->stopping = true;
      }
      lane->Wake();
    }
    for (auto& lane : core_->lanes) {
      lane->thread.join();
      close(lane->epollFd);
      close(lane->wakeFd);
    }
    core_->onError.Reset();
    core_->tsfn.Release();
  }

  std::shared_ptr<Core> core_;
  Napi::Env::CleanupHook<std::function<void()>> cleanup_;
};

}  // namespace

void portlab::InitConnectEngine(Napi::Env env, Napi::Object exports) { ConnectEngine::Init(env, exports); }
