//! `server admin …`: recovery for an operator who is locked out. Runs
//! against the database of `DATABASE_URL` (or the default SQLite file),
//! through the same service functions and audit as everything else.
use crate::config::Settings;
use app::backend::users;
use std::io::Read;

pub const USAGE: &str = "usage:
  server                                   serve (configuration from the environment)
  server --demo                            serve, after making the demo app (once there is an admin)
  server admin reset-password EMAIL        set EMAIL's password to the one on standard input
  server admin promote EMAIL               make EMAIL an active admin";

/// Runs `args` (after `admin`) and answers the exit code.
pub async fn run(settings: &Settings, args: &[String]) -> i32 {
    let (command, email) = match args {
        [c, e] if c == "reset-password" || c == "promote" => (c.as_str(), e.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return 2;
        }
    };
    let db = match crate::open_database(settings).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("stagecraft: {e}");
            return 1;
        }
    };
    let done = match command {
        "reset-password" => {
            let mut input = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut input) {
                eprintln!("stagecraft: cannot read the password from standard input: {e}");
                return 1;
            }
            // One line; the newline that ends it is not part of the password.
            let password = input.lines().next().unwrap_or("");
            users::reset_password(&db, email, password)
                .await
                .map(|u| format!("The password of {} was reset.", u.email))
        }
        _ => users::promote_to_admin(&db, email)
            .await
            .map(|u| format!("{} is now an active admin.", u.email)),
    };
    match done {
        Ok(message) => {
            println!("{message}");
            0
        }
        Err(e) => {
            match &e.field {
                Some(f) => eprintln!("stagecraft: {f}: {}", e.message),
                None => eprintln!("stagecraft: {}", e.message),
            }
            1
        }
    }
}
