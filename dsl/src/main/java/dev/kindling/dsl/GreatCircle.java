package dev.kindling.dsl;

/** Great-circle distance (haversine formula), measured between postal codes' centroids on the driver. */
final class GreatCircle {

    /** The mean Earth radius (IUGG). */
    static final double EARTH_RADIUS_KM = 6371.0088;

    private GreatCircle() {
    }

    /** Kilometres between two points given in degrees. */
    static double kilometres(double latitude, double longitude, double toLatitude, double toLongitude) {
        double lat1 = Math.toRadians(latitude);
        double lat2 = Math.toRadians(toLatitude);
        double dLat = lat2 - lat1;
        double dLon = Math.toRadians(toLongitude - longitude);
        double h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(lat1) * Math.cos(lat2) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));
    }
}
