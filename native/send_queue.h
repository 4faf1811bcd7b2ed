// The send thread both socket kinds share: frames copied in from JS, sent in order with sendmmsg.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common.h"

namespace portlab {

class SendQueue {
 public:
  /**
   * Bounds of what waits in the queue: JS gets -1 beyond them instead of memory growing without end. A queued frame
   * goes out after all those ahead of it (~3-4 µs each on a veth pair, whose peer's stack runs inside the send), and
   * JS stamps it with the time it queued it: 512 frames kept that lag at 0.3-0.7 ms (median, saturated on a veth
   * pair) where 4096 made it 4-9 ms, at the same frames per second.
   */
  static constexpr size_t kMaxFrames = 512;
  static constexpr size_t kMaxBytes = 1 << 20;

  /**
   * Sends on `fd` (bound or connected: no address per frame). `onFatal(errno)` runs once, on the send thread, when
   * the interface is gone (ENETDOWN, ENXIO, ENODEV); the queue then drops everything.
   */
  SendQueue(int fd, std::function<void(int)> onFatal);
  ~SendQueue();

  /** Copies every frame in, or none when the queue is full (an empty queue takes any batch). The thread starts on first use. */
  bool Push(const FrameList& frames);
  /** Stops and joins the thread; frames not yet sent are dropped. Idempotent. */
  void Stop();

  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  uint64_t queued() const { return queued_.load(std::memory_order_relaxed); }

 private:
  struct Batch {
    std::vector<uint8_t> bytes;
    std::vector<uint32_t> offsets;
    std::vector<uint32_t> lengths;
  };

  void Run();
  /** Sends frames [0, count) of one batch; false once the interface is gone or the queue stops. */
  bool SendBatch(const Batch& batch);

  const int fd_;
  const std::function<void(int)> onFatal_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Batch>> batches_;
  size_t queuedBytes_ = 0;
  bool stopping_ = false;
  bool failed_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> queued_{0};
  std::thread thread_;
};

/** ENETDOWN, ENXIO, ENODEV: the interface went down or away; nothing sent on it will go out any more. */
bool IsInterfaceGone(int err);

}  // namespace portlab
