// Copyright fleetsim authors.
//
// conn: one accepted connection's state, kept in a per-worker table indexed by its fd.
// It must stay small: 150,000+ idle connections are held across processes, so a
// connection holds no buffer of its own. It borrows a PartialFrame only while a frame is
// half received, and an OutQueue only while output is pending. Single-threaded.

#ifndef FLEETSIM_TOOLS_TARGET_CONN_H_
#define FLEETSIM_TOOLS_TARGET_CONN_H_

#include <ev.h>

#include <cstdint>

#include "tools/target/command.h"
#include "tools/target/frame.h"
#include "tools/target/out_queue.h"

namespace fleetsim::target {

// The bytes of a frame received in part, carried over to the next read.
struct PartialFrame {
  uint16_t len = 0;
  uint8_t bytes[kMaxFrame];
};

enum class ConnState : uint8_t {
  kFree = 0,  // Slot unused. Zero-filled slots are free.
  kOpen,      // Reading requests and writing responses.
  kDraining,  // Reads no more (peer sent EOF, or a close fault is queued); closes once its
              // queued output is written.
};

// Plain data (zero-filled = free), so the table can be calloc'd and cost nothing until used.
struct Conn {
  ev_io io;          // First member: the io callback casts the watcher back.
  PartialFrame* in;  // Borrowed partial frame, or null.
  OutQueue* out;     // Borrowed output queue, or null.
  uint32_t sid;      // Session held (device on access, user on user port); 0: none.
  Port port;
  ConnState state;
  bool want_write;   // The last write hit EAGAIN: wait for writability.
  bool read_paused;  // Too much output queued: stop reading until it drains.
};

// The per-connection budget (the kernel's socket costs ~4.8 KB more).
inline constexpr size_t kConnBudget = 80;
static_assert(sizeof(Conn) <= kConnBudget, "Conn outgrew its budget");

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_CONN_H_
