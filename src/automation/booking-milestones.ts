/** Round numbers of bookings worth a celebration: 100, 500, 1000, then every thousand. */
const FIRST_MILESTONES = [100, 500, 1000];
const EVERY_AFTER = 1000;

/** The highest milestone a shop with `count` bookings has reached; null below the first. */
export function milestoneReached(count: number): number | null {
  if (count < FIRST_MILESTONES[0]) return null;
  const last = FIRST_MILESTONES[FIRST_MILESTONES.length - 1];
  if (count >= last) return Math.floor(count / EVERY_AFTER) * EVERY_AFTER;
  return FIRST_MILESTONES.filter((milestone) => milestone <= count).pop() ?? null;
}
