#include "send_queue.h"

#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace portlab {

/** Frames per sendmmsg: large enough that the call's cost vanishes, small enough that Stop() is heard quickly. */
static constexpr size_t kChunk = 128;
/** How long the thread waits when the kernel has no room (ENOBUFS: a veth peer's backlog is full). */
static constexpr long kRetryWaitNs = 20 * 1000;

bool IsInterfaceGone(int err) { return err == ENETDOWN || err == ENXIO || err == ENODEV; }

SendQueue::SendQueue(int fd, std::function<void(int)> onFatal) : fd_(fd), onFatal_(std::move(onFatal)) {}

SendQueue::~SendQueue() { Stop(); }

bool SendQueue::Push(const FrameList& frames) {
  size_t bytes = 0;
  for (uint32_t k = 0; k < frames.count; k++) bytes += frames.lengths[k];
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return true;
  // After the interface went away JS has been told (onError); taking the frames keeps its loop from retrying.
  if (failed_) return true;
  uint64_t waiting = queued_.load(std::memory_order_relaxed);
  if (waiting > 0 && (waiting + frames.count > kMaxFrames || queuedBytes_ + bytes > kMaxBytes)) return false;
  auto batch = std::make_unique<Batch>();
  batch->bytes.resize(bytes);
  batch->offsets.resize(frames.count);
  batch->lengths.assign(frames.lengths, frames.lengths + frames.count);
  size_t at = 0;
  for (uint32_t k = 0; k < frames.count; k++) {
    memcpy(batch->bytes.data() + at, frames.data + frames.offsets[k], frames.lengths[k]);
    batch->offsets[k] = static_cast<uint32_t>(at);
    at += frames.lengths[k];
  }
  batches_.push_back(std::move(batch));
  queuedBytes_ += bytes;
  queued_.fetch_add(frames.count, std::memory_order_relaxed);
  if (!thread_.joinable()) thread_ = std::thread(&SendQueue::Run, this);
  wake_.notify_one();
  return true;
}

void SendQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    stop_.store(true);
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SendQueue::Run() {
  pthread_setname_np(pthread_self(), "pl-send");
  for (;;) {
    std::unique_ptr<Batch> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !batches_.empty(); });
      if (stopping_) return;
      batch = std::move(batches_.front());
      batches_.pop_front();
    }
    bool alive = SendBatch(*batch);
    std::lock_guard<std::mutex> lock(mutex_);
    queuedBytes_ -= batch->bytes.size();
    queued_.fetch_sub(batch->lengths.size(), std::memory_order_relaxed);
    if (!alive && !stopping_) {
      failed_ = true;
      for (auto& dropped : batches_) queued_.fetch_sub(dropped->lengths.size(), std::memory_order_relaxed);
      batches_.clear();
      queuedBytes_ = 0;
    }
    if (failed_) return;
  }
}

bool SendQueue::SendBatch(const Batch& batch) {
  mmsghdr messages[kChunk];
  iovec parts[kChunk];
  size_t count = batch.lengths.size();
  size_t next = 0;
  while (next < count) {
    if (stop_.load(std::memory_order_relaxed)) return false;
    size_t n = count - next < kChunk ? count - next : kChunk;
    for (size_t i = 0; i < n; i++) {
      parts[i].iov_base = const_cast<uint8_t*>(batch.bytes.data() + batch.offsets[next + i]);
      parts[i].iov_len = batch.lengths[next + i];
      memset(&messages[i], 0, sizeof(mmsghdr));
      messages[i].msg_hdr.msg_iov = &parts[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd_, messages, static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent > 0) {
      sent_.fetch_add(static_cast<uint64_t>(sent), std::memory_order_relaxed);
      next += static_cast<size_t>(sent);
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == ENOBUFS || err == EAGAIN) {
      timespec wait{0, kRetryWaitNs};
      nanosleep(&wait, nullptr);
      continue;
    }
    if (IsInterfaceGone(err)) {
      onFatal_(err);
      return false;
    }
    // This frame was refused (too short, too long for the MTU, a firewall's EPERM): counted, the rest go on.
    errors_.fetch_add(1, std::memory_order_relaxed);
    next++;
  }
  return true;
}

}  // namespace portlab
