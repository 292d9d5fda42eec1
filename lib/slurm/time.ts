// Time-limit parsing lives with the other facts config rules need (lib/facts);
// the Slurm target keeps importing it from here.
export { timeLimitSeconds } from "../facts/slurm-time";
