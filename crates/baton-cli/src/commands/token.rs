//! `baton token`: API tokens bound to a person and a role.

use std::process::ExitCode;

use anyhow::Result;
use baton_core::lifecycle::Role;

use super::app::{block_on, connect, refusal};
use crate::cli::TokenCommand;

pub fn run(command: TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Create {
            db,
            person,
            role,
            login,
            url,
        } => {
            let role = Role::from(role);
            block_on(async {
                let app = connect(&db.db).await?;
                if login {
                    let now = chrono::Utc::now();
                    return match app
                        .create_login_link(&person, role, now, baton_app::demo::LOGIN_VALID)
                        .await
                    {
                        Ok(code) => {
                            eprintln!(
                                "a sign-in link for {person} ({}), good once, for a day",
                                role.as_str()
                            );
                            outln!("{}/login/{code}", url.trim_end_matches('/'));
                            Ok(ExitCode::SUCCESS)
                        }
                        Err(e) => refusal(e, false),
                    };
                }
                match app.create_token(&person, role, chrono::Utc::now()).await {
                    Ok((info, secret)) => {
                        eprintln!(
                            "token {} for {} ({:?}); it is shown only now",
                            info.id, info.person, info.role
                        );
                        outln!("{secret}");
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(e) => refusal(e, false),
                }
            })
        }
        TokenCommand::Revoke { db, id } => block_on(async {
            let app = connect(&db.db).await?;
            match app.revoke_token(id, chrono::Utc::now()).await {
                Ok(()) => {
                    outln!("token {id} revoked");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refusal(e, false),
            }
        }),
    }
}
