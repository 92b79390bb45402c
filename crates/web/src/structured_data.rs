//! schema.org structured data (JSON-LD) for search engines: a service as
//! `GovernmentService`, an office as `GovernmentOffice` with its opening hours.

use rathaus_content::model::{Kind, Office, Service};
use serde_json::{Value, json};

use crate::page::PageContext;

/// JSON-LD of a service.
pub fn service(context: &PageContext, service: &Service, url: &str) -> String {
    let texts = service.texts().resolve(context.variant).1;
    let public_url = &context.state.config().server.public_url;
    let city = &context.state.config().city.name;
    let locations: Vec<Value> = context
        .catalog
        .offices_for_service(service)
        .into_iter()
        .map(|office| {
            json!({
                "@type": "GovernmentOffice",
                "name": office.texts().resolve(context.variant).1.name,
                "url": format!("{public_url}{}", context.item_url(Kind::Office, &office.key)),
            })
        })
        .collect();
    let mut data = json!({
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": texts.name,
        "description": texts.summary,
        "url": url,
        "provider": { "@type": "GovernmentOrganization", "name": city },
        "areaServed": { "@type": "City", "name": city },
        "availableChannel": {
            "@type": "ServiceChannel",
            "serviceLocation": locations,
        },
    });
    if let Some(online) = &service.online_application {
        data["availableChannel"]["serviceUrl"] = json!(online);
    }
    script_safe(&data)
}

/// JSON that cannot end the `<script>` element it is embedded in.
fn script_safe(data: &Value) -> String {
    data.to_string().replace("</", "<\\/")
}

/// JSON-LD of an office with its regular and special opening hours.
pub fn office(context: &PageContext, office: &Office, url: &str) -> String {
    let texts = office.texts().resolve(context.variant).1;
    let week = &office.opening_hours;
    let days = [
        ("Monday", &week.monday),
        ("Tuesday", &week.tuesday),
        ("Wednesday", &week.wednesday),
        ("Thursday", &week.thursday),
        ("Friday", &week.friday),
        ("Saturday", &week.saturday),
        ("Sunday", &week.sunday),
    ];
    let hours: Vec<Value> = days
        .iter()
        .flat_map(|(day, ranges)| {
            ranges.iter().map(move |range| {
                json!({
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": format!("https://schema.org/{day}"),
                    "opens": range.opens.format("%H:%M").to_string(),
                    "closes": range.closes.format("%H:%M").to_string(),
                })
            })
        })
        .collect();
    let special: Vec<Value> = office
        .exceptions
        .iter()
        .flat_map(|exception| {
            let date = exception.date.to_string();
            if exception.hours.is_empty() {
                return vec![json!({
                    "@type": "OpeningHoursSpecification",
                    "validFrom": date, "validThrough": date,
                    "opens": "00:00", "closes": "00:00",
                })];
            }
            exception
                .hours
                .iter()
                .map(|range| {
                    json!({
                        "@type": "OpeningHoursSpecification",
                        "validFrom": date, "validThrough": date,
                        "opens": range.opens.format("%H:%M").to_string(),
                        "closes": range.closes.format("%H:%M").to_string(),
                    })
                })
                .collect()
        })
        .collect();
    let data = json!({
        "@context": "https://schema.org",
        "@type": "GovernmentOffice",
        "name": texts.name,
        "url": url,
        "telephone": office.phone,
        "email": office.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": office.address.street,
            "postalCode": office.address.postcode,
            "addressLocality": office.address.city,
            "addressCountry": "DE",
        },
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": office.location.lat,
            "longitude": office.location.lon,
        },
        "openingHoursSpecification": hours,
        "specialOpeningHoursSpecification": special,
        "isAccessibleForFree": true,
    });
    script_safe(&data)
}
