/**
 * Preloaded (`node --import`) into the web app and the worker. When the process that started
 * them is gone (the supervisor killed with SIGKILL, or by the OOM killer), they stop themselves
 * as if it had sent SIGTERM, instead of holding the web port and their database connections.
 * process.ppid is fixed at start-up, so the check asks whether that process still exists.
 */
const parent = process.ppid;

const timer = setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch (error) {
    if (error.code !== "ESRCH") return;
    clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  }
}, 1000);
timer.unref();
