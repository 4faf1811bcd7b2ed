// The addon's modules: each adds its functions and classes to the exports (called in order by addon.cc).
#pragma once

#include <napi.h>

namespace portlab {

void InitClock(Napi::Env env, Napi::Object exports);
void InitBpf(Napi::Env env, Napi::Object exports);
void InitPacketSocket(Napi::Env env, Napi::Object exports);
void InitRawIpSocket(Napi::Env env, Napi::Object exports);
void InitConnectEngine(Napi::Env env, Napi::Object exports);

}  // namespace portlab
