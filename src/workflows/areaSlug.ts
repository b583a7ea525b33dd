/** Turns a planner's area name into a short, readable piece of a workflow id. */
export function areaSlug(area: string): string {
  const slug = area
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'area';
}
