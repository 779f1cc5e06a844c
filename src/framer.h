// Copyright fleetsim authors.
//
// framer: cuts a received byte stream into whole frames according to a port's Framing
// (length field, fixed size or delimiter). Pure and stateless: the caller keeps the bytes.

#ifndef FLEETSIM_SRC_FRAMER_H_
#define FLEETSIM_SRC_FRAMER_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "src/program.h"

namespace fleetsim {

enum class CutResult {
  kFrame,      // *frame_len bytes at the front of `in` are one whole frame
  kNeedMore,   // no whole frame yet; keep the bytes and read more
  kMalformed,  // the stream cannot be framed (length out of range): drop the connection
};

// Looks at the front of `in`. Never reads past in.size().
CutResult CutFrame(const Framing& f, absl::string_view in, size_t* frame_len);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_FRAMER_H_
