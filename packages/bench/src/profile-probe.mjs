// Preloaded into a profiled server (`node --import …/profile-probe.mjs`): the first SIGUSR2
// starts V8's CPU profiler, the second stops it and writes the profile to $PROFILE_OUT,
// so that start-up and warm-up stay out of what is measured.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
let running = false;
process.on("SIGUSR2", async () => {
  if (!running) {
    running = true;
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: 200 });
    await post("Profiler.start");
    process.stderr.write("profile-probe: started\n");
  } else {
    running = false;
    const { profile } = await post("Profiler.stop");
    writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
    process.stderr.write("profile-probe: written\n");
  }
});
