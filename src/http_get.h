// Copyright fleetsim authors.
//
// http_get: the collector's HTTP/1.1 GET client. Fetches from every agent at once over
// non-blocking sockets in one poll() loop, all bounded by a single deadline, so a dead or
// black-holed agent costs at most the timeout and never delays the others. Hand-written
// on purpose: the peer is our own agent, we need only GET with "Connection: close", and
// the one-deadline-for-N-peers shape is simpler here than libcurl's multi interface (not
// otherwise a dependency). Responses are size-bounded; chunked bodies are decoded.

#ifndef FLEETSIM_SRC_HTTP_GET_H_
#define FLEETSIM_SRC_HTTP_GET_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/net_address.h"

namespace fleetsim {

struct HttpGetRequest {
  SockAddr addr;
  std::string host;  // Host header value, e.g. "127.0.0.1:9310"
  std::string path;  // "/sample"
};

struct HttpGetResult {
  bool ok = false;    // a complete HTTP response arrived (any status)
  int status = 0;     // HTTP status code when ok
  std::string body;   // decoded body when ok
  std::string error;  // why not ok: "connect: Connection refused", "timed out while ..."
};

// Runs every request concurrently and returns one result per request, in order, once all
// are complete or `timeout` has passed (unfinished ones fail with "timed out ...").
// A response larger than `max_response_bytes` fails. Never throws.
std::vector<HttpGetResult> HttpGetAll(const std::vector<HttpGetRequest>& requests,
                                      absl::Duration timeout, size_t max_response_bytes);

enum class HttpParse {
  kComplete,   // *status and *body are set
  kNeedMore,   // wait for more bytes (or EOF)
  kMalformed,  // not an HTTP/1.x response we understand: *error says why
};

// Parses the bytes received so far. `eof` means the peer closed: a body without
// Content-Length or chunking ends there. Pure.
HttpParse ParseHttpResponse(absl::string_view raw, bool eof, int* status, std::string* body,
                            std::string* error);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_HTTP_GET_H_
