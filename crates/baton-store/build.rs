//! `sqlx::migrate!` embeds the migration files at compile time; this makes a
//! new file trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
