// The simulations' virtual clock: a timer queue that only moves when a test
// advances it, so every run of a test sees the same times.
import { TimerQueue } from "../timer-queue";

export class SimClock extends TimerQueue {}
