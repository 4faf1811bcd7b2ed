// Module init only: one line per module (modules.h declares them).
#include "modules.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  portlab::InitClock(env, exports);
  portlab::InitBpf(env, exports);
  portlab::InitPacketSocket(env, exports);
  portlab::InitRawIpSocket(env, exports);
  portlab::InitConnectEngine(env, exports);
  return exports;
}

NODE_API_MODULE(portlab_native, Init)
