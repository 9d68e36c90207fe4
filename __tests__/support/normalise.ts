/**
 * Normalised synthesized JSON for file snapshots: volatile values (asset hashes and paths,
 * cdktf metadata) are replaced, so a snapshot diff shows only infrastructure changes.
 */
export function normalise(json: string): string {
  const tf = JSON.parse(json);
  delete tf["//"];
  return `${JSON.stringify(tf, null, 2)
    // cdktf asset staging: assets/<id>/<HASH>/<file>, or assets/<id>/<HASH> for a folder
    .replace(/assets\/([\w-]+)\/[A-F0-9]{32,64}(\/|")/g, "assets/$1/<hash>$2")
    // content hashes of staged files
    .replace(/("(?:source_hash|etag|asset_hash)": )"[A-Fa-f0-9]{32,64}"/g, '$1"<hash>"')
    // content-addressed keys of staged Spark jobs: spark-jobs/<16 hex>/...
    .replace(/spark-jobs\/[A-F0-9]{16}\//g, "spark-jobs/<hash>/")}\n`;
}
