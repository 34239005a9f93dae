//! A person-readable description of a browser's User-Agent: "Firefox 128 on Linux".
//!
//! Shown next to sessions, in security emails and (later) IP address records, so a user can tell
//! their own devices from someone else's. It is a description, never a security decision: user
//! agents are whatever the client says. The order of checks matters because browsers claim to
//! be each other (Edge says Chrome and Safari, Chrome says Safari).

/// Browser and operating system in a few words; "Unknown browser" when nothing is recognised.
pub fn describe(user_agent: &str) -> String {
    let browser = browser(user_agent);
    let os = os(user_agent);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b,
        (None, Some(o)) => format!("Unknown browser on {o}"),
        (None, None) => "Unknown browser".to_string(),
    }
}

fn browser(ua: &str) -> Option<String> {
    // (token in the UA, name shown), most specific first.
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
    ];
    for (token, name) in BROWSERS {
        if let Some(version) = major_version_after(ua, token) {
            return Some(format!("{name} {version}"));
        }
    }
    if ua.contains("Safari/") {
        return Some(match major_version_after(ua, "Version/") {
            Some(version) => format!("Safari {version}"),
            None => "Safari".to_string(),
        });
    }
    if ua.starts_with("curl/") {
        return Some("curl".to_string());
    }
    None
}

fn os(ua: &str) -> Option<String> {
    let os = if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        return None;
    };
    Some(os.to_string())
}

fn major_version_after(ua: &str, token: &str) -> Option<String> {
    let start = ua.find(token)? + token.len();
    let version: String = ua[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(6)
        .collect();
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let table = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
                "Chrome 126 on Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
                "Edge 126 on Windows",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                "Firefox 128 on Linux",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari 17 on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari 17 on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
                "Chrome 126 on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/139.0.0.0 Safari/537.36",
                "Headless Chrome 139 on Linux",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown browser"),
            ("something (Windows NT 10.0)", "Unknown browser on Windows"),
        ];
        for (ua, expected) in table {
            assert_eq!(describe(ua), expected, "{ua}");
        }
    }
}
