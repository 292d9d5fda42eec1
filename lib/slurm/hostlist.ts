// Hostlist expansion lives with the other facts config rules need (lib/facts);
// the Slurm target keeps importing it from here.
export { expandHostlist, expandHostlists } from "../facts/slurm-hostlist";
