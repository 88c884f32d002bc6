// ThreadSanitizer suppressions for the parallel tests (read by TSan at start-up; unused otherwise).
// libstdc++.so is not built with -fsanitize=thread, so TSan cannot see the atomic reference count
// of std::exception_ptr (eh_ptr.cc): when a trial's exception reaches the test through its future
// and the worker drops the last reference later, TSan reports the exception's destructor as racing
// with the test's read of what(). Only races in frames of exception_ptr's release are ignored.
// Known issue, suppressed the same way in e.g. arangodb/arangodb#21084, ex-actor/ex-actor#247.
extern "C" const char* __tsan_default_suppressions() {
  return "race:std::__exception_ptr::exception_ptr::_M_release\n";
}
