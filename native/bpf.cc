#include "bpf.h"

#include <pcap/pcap.h>

#include <mutex>

#include "common.h"
#include "modules.h"

namespace portlab {

/** libpcap's compiler keeps state in the handle, and older releases in globals too: one compile at a time. */
static std::mutex compileMutex;

bool CompileFilter(const std::string& filter, int snaplen, std::vector<sock_filter>* program, std::string* error) {
  std::lock_guard<std::mutex> lock(compileMutex);
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, snaplen);
  if (dead == nullptr) {
    *error = "libpcap could not open a handle to compile the filter";
    return false;
  }
  bpf_program compiled;
  bool ok = pcap_compile(dead, &compiled, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
  if (ok) {
    // libpcap's bpf_insn and the kernel's sock_filter are the same four fields.
    program->resize(compiled.bf_len);
    for (u_int i = 0; i < compiled.bf_len; i++) {
      const bpf_insn& in = compiled.bf_insns[i];
      (*program)[i] = sock_filter{in.code, in.jt, in.jf, in.k};
    }
    pcap_freecode(&compiled);
  } else {
    *error = pcap_geterr(dead);
  }
  pcap_close(dead);
  return ok;
}

/** compileFilter(filter, snaplen): the program's instruction count; throws libpcap's message. */
static Napi::Value CompileFilterJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "compileFilter(filter: string, snaplen: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double snaplen = info[1].As<Napi::Number>().DoubleValue();
  if (!(snaplen >= 1 && snaplen <= 262144) || snaplen != static_cast<int>(snaplen)) {
    Napi::RangeError::New(env, "snaplen must be a whole number from 1 to 262144").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<sock_filter> program;
  std::string error;
  if (!CompileFilter(info[0].As<Napi::String>().Utf8Value(), static_cast<int>(snaplen), &program, &error)) {
    Napi::Error::New(env, error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(program.size()));
}

void InitBpf(Napi::Env env, Napi::Object exports) {
  exports.Set("compileFilter", Napi::Function::New(env, CompileFilterJs, "compileFilter"));
}

}  // namespace portlab
