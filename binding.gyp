{
  "targets": [
    {
      "target_name": "portlab_native",
      "sources": [
        "native/addon.cc",
        "native/bpf.cc",
        "native/common.cc",
        "native/connect_engine.cc",
        "native/events.cc",
        "native/packet_socket.cc",
        "native/raw_ip_socket.cc",
        "native/send_queue.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a result settled while a worker's env is being torn down (an open
      # finishing then) cannot be thrown into JS any more; node-addon-api then drops it instead of aborting the process.
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-O3"],
      "cflags_cc!": ["-O3", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "cflags_cc": ["-O2", "-std=c++17", "-fno-exceptions", "-Wall", "-Wextra"],
      "ldflags": ["-Wl,-z,nodelete"],
      "libraries": ["-lpcap", "-lpthread"]
    }
  ]
}
